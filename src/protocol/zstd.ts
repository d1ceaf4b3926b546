/**
 * zstd for 0.25.0's `proto_compress_fwdbwd` bodies (`Content-Encoding: zstd`). Node 20 has no zstd,
 * so this wraps `@bokuweb/zstd-wasm`, whose wasm ships inside the npm package (nothing is fetched).
 * The wasm module loads once, asynchronously: `await zstdReady()` (or use the async helpers), then
 * the sync calls work. Decompression refuses frames that declare more than `maxBytes`, so a small
 * body cannot blow up into gigabytes in the emulator.
 */
import { compress, decompress, init } from "@bokuweb/zstd-wasm";

let ready: Promise<void> | undefined;
let loaded = false;

/** Loads the wasm module once; later calls return the same promise. */
export function zstdReady(): Promise<void> {
  ready ??= init().then(() => {
    loaded = true;
  });
  return ready;
}

function assertLoaded(): void {
  if (!loaded) throw new Error("zstd is not loaded yet: await zstdReady() first");
}

/** Level the SDK's compressor uses by default (python-zstandard: 3). */
export const ZSTD_DEFAULT_LEVEL = 3;

/** Largest decompressed body accepted by default (256 MiB). */
export const ZSTD_DEFAULT_MAX_BYTES = 256 * 1024 * 1024;

const MAGIC = 0xfd2fb528;

/**
 * Frame_Content_Size of the first frame, or undefined when the frame does not declare it.
 * Throws when `frame` is not a zstd frame.
 */
export function zstdFrameContentSize(frame: Uint8Array): number | undefined {
  if (frame.byteLength < 5) throw new Error("zstd: frame too short");
  const dv = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  if (dv.getUint32(0, true) !== MAGIC) throw new Error("zstd: bad magic number");
  const fhd = frame[4] as number;
  const fcsFlag = fhd >> 6;
  const singleSegment = (fhd >> 5) & 1;
  const dictIdSize = [0, 1, 2, 4][fhd & 3] as number;
  const fcsSize = [singleSegment ? 1 : 0, 2, 4, 8][fcsFlag] as number;
  if (fcsSize === 0) return undefined;
  const at = 5 + (singleSegment ? 0 : 1) + dictIdSize;
  if (frame.byteLength < at + fcsSize) throw new Error("zstd: truncated frame header");
  if (fcsSize === 1) return frame[at] as number;
  if (fcsSize === 2) return dv.getUint16(at, true) + 256;
  if (fcsSize === 4) return dv.getUint32(at, true);
  return dv.getUint32(at + 4, true) * 0x100000000 + dv.getUint32(at, true);
}

/** Compresses `bytes` into one zstd frame (with its content size, as python-zstandard writes). */
export function zstdCompressSync(bytes: Uint8Array, level = ZSTD_DEFAULT_LEVEL): Uint8Array {
  assertLoaded();
  return compress(bytes, level);
}

/**
 * Decompresses one zstd frame. Frames without a declared size are accepted up to `maxBytes`;
 * a declared size above `maxBytes` is refused before anything is allocated.
 */
export function zstdDecompressSync(frame: Uint8Array, maxBytes = ZSTD_DEFAULT_MAX_BYTES): Uint8Array {
  assertLoaded();
  const size = zstdFrameContentSize(frame);
  if (size !== undefined && size > maxBytes) {
    throw new Error(`zstd: frame declares ${size} bytes, more than the limit of ${maxBytes}`);
  }
  if (size === 0) return new Uint8Array(0);
  if (size !== undefined) return decompress(frame, { defaultHeapSize: size });
  // No declared size (a streamed frame): try a modest buffer and double it up to the limit.
  for (
    let cap = Math.min(maxBytes, Math.max(1 << 20, frame.byteLength * 8));
    ;
    cap = Math.min(maxBytes, cap * 2)
  ) {
    try {
      return decompress(frame, { defaultHeapSize: cap });
    } catch (e) {
      if (cap >= maxBytes) throw e;
    }
  }
}

/** `zstdCompressSync` after loading the module. */
export async function zstdCompress(bytes: Uint8Array, level = ZSTD_DEFAULT_LEVEL): Promise<Uint8Array> {
  await zstdReady();
  return zstdCompressSync(bytes, level);
}

/** `zstdDecompressSync` after loading the module. */
export async function zstdDecompress(
  frame: Uint8Array,
  maxBytes = ZSTD_DEFAULT_MAX_BYTES,
): Promise<Uint8Array> {
  await zstdReady();
  return zstdDecompressSync(frame, maxBytes);
}
