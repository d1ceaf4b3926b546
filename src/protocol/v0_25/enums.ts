/** Enums of tinker_public.proto, by number, with the names the transcripts show. */

/** `tinker_public.DType`. */
export const DType = {
  UNSPECIFIED: 0,
  FLOAT32: 1,
  INT64: 2,
  INT32: 3,
  BFLOAT16: 4,
} as const;
const DTYPE_NAMES = ["DTYPE_UNSPECIFIED", "DTYPE_FLOAT32", "DTYPE_INT64", "DTYPE_INT32", "DTYPE_BFLOAT16"];

/** `DTYPE_FLOAT32` for 1, …; unknown numbers as themselves. */
export function dtypeName(v: number): string | number {
  return DTYPE_NAMES[v] ?? v;
}

/** Inverse of `dtypeName`. */
export function dtypeFromName(name: string | number): number {
  if (typeof name === "number") return name;
  const i = DTYPE_NAMES.indexOf(name);
  if (i < 0) throw new Error(`unknown DType ${name}`);
  return i;
}

/** Bytes per element of a DType (0 when unknown). */
export function dtypeItemSize(v: number): number {
  return v === DType.INT64 ? 8 : v === DType.BFLOAT16 ? 2 : v === 0 ? 0 : 4;
}

/** `tinker_public.StopReason`. */
export const StopReasonPb = { STOP: 0, LENGTH: 1 } as const;

const STOP_NAMES = ["STOP_REASON_STOP", "STOP_REASON_LENGTH"];

/** `STOP_REASON_STOP` for 0, `STOP_REASON_LENGTH` for 1. */
export function stopReasonName(v: number): string | number {
  return STOP_NAMES[v] ?? v;
}

/** Inverse of `stopReasonName`. */
export function stopReasonFromName(name: string | number): number {
  if (typeof name === "number") return name;
  const i = STOP_NAMES.indexOf(name);
  if (i < 0) throw new Error(`unknown StopReason ${name}`);
  return i;
}
