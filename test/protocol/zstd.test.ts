/** zstd helpers over the bundled wasm. */
import { describe, expect, it } from "vitest";
import { zstdCompress, zstdDecompress, zstdFrameContentSize } from "../../src/protocol/zstd.js";

describe("zstd", () => {
  it("round-trips and declares the content size, as python-zstandard's frames do", async () => {
    const data = Uint8Array.from({ length: 100_000 }, (_, i) => (i * 31) % 251);
    const frame = await zstdCompress(data);
    expect(frame.byteLength).toBeLessThan(data.byteLength);
    expect(zstdFrameContentSize(frame)).toBe(data.byteLength);
    expect(Buffer.from(await zstdDecompress(frame)).equals(Buffer.from(data))).toBe(true);
  });

  it("decompresses a frame without a declared size (streamed), growing its buffer", async () => {
    // `printf 'hello zstd hello zstd' | zstd -c --no-content-size`
    const frame = Buffer.from("KLUv/QRYjQAAWGhlbGxvIHpzdGQgAQDeihf4Lgp8", "base64");
    expect(zstdFrameContentSize(frame)).toBeUndefined();
    expect(Buffer.from(await zstdDecompress(frame)).toString()).toBe("hello zstd hello zstd");
  });

  it("refuses a frame that declares more than the limit, and bytes that are not zstd", async () => {
    const frame = await zstdCompress(new Uint8Array(10_000));
    await expect(zstdDecompress(frame, 1_000)).rejects.toThrow(/limit/);
    await expect(zstdDecompress(Uint8Array.of(1, 2, 3, 4, 5, 6))).rejects.toThrow(/magic/);
  });
});
