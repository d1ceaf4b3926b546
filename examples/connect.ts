/**
 * How every example gets a ServiceClient: against the real Tinker service when TINKER_API_KEY is set,
 * otherwise against an emulator started in this process (no key, no network).
 */
import { type Emulator, startEmulator } from "tinker-ts/emulator";
import { ServiceClient } from "tinker-ts";

/** A connected ServiceClient, the base model to train, and a way to shut both down. */
export interface Connection {
  readonly service: ServiceClient;
  readonly baseModel: string;
  readonly where: string;
  close(): Promise<void>;
}

/** Connects to the real service or to a fresh in-process emulator. */
export async function connect(preferredModel?: string): Promise<Connection> {
  let emulator: Emulator | undefined;
  let service: ServiceClient;
  if (process.env.TINKER_API_KEY) {
    service = new ServiceClient();
  } else {
    emulator = await startEmulator({ seed: 0 });
    service = new ServiceClient({ apiKey: "tml-emulator", baseUrl: emulator.url });
  }
  const capabilities = await service.getServerCapabilities();
  const names = capabilities.supported_models.map((m) => m.model_name).filter((n): n is string => !!n);
  const baseModel = preferredModel && names.includes(preferredModel) ? preferredModel : (names[0] ?? "");
  return {
    service,
    baseModel,
    where: emulator ? `the embedded emulator at ${emulator.url}` : "the Tinker service",
    async close() {
      await service.close();
      await emulator?.close();
    },
  };
}
