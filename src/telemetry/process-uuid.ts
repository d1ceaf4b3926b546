/**
 * The process id of 0.25.0 telemetry (`process_uuid`, fact 23): one random uuid4 per process,
 * shared by every holder and reporter, so the server can tie a process's sessions together. Keyed on
 * the pid, as the SDK's `get_process_uuid`, so a forked child gets its own.
 */
import { randomUUID } from "node:crypto";

let current: { pid: number; uuid: string } | undefined;

/** This process's telemetry uuid (created on first use). */
export function processUuid(): string {
  if (current === undefined || current.pid !== process.pid)
    current = { pid: process.pid, uuid: randomUUID() };
  return current.uuid;
}
