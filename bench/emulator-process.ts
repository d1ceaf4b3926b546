/**
 * The emulator in a process of its own, for the RL bench: prints its URL on the first line of stdout
 * and closes when stdin ends, so that the bench's own CPU time is the client's alone.
 */
import { startEmulator } from "../src/emulator/index.js";

const emulator = await startEmulator({ seed: 0 });
process.stdout.write(`${emulator.url}\n`);
process.stdin.resume();
process.stdin.on("end", () => {
  void emulator.close().then(() => process.exit(0));
});
