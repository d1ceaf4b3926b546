/**
 * Checkpoint archives: the archive endpoint answers 302 to a short-lived URL on the emulator itself,
 * which serves a real `.tar` of the checkpoint directory.
 */
import { randomBytes } from "node:crypto";
import { readdirSync } from "node:fs";
import { create } from "tar";

/** How long an archive URL stays valid (0.4.1's default expiry is 15 minutes). */
export const ARCHIVE_URL_TTL_MS = 15 * 60 * 1000;

/** What an archive URL stands for. */
export interface ArchiveTarget {
  readonly dir: string;
  readonly runId: string;
  readonly checkpointId: string;
}

interface ArchiveTicket extends ArchiveTarget {
  readonly expiresAt: number;
}

/** Issues and redeems archive download URLs. */
export class ArchiveTickets {
  private readonly tickets = new Map<string, ArchiveTicket>();

  constructor(private readonly now: () => number) {}

  /** Issues a token for a checkpoint; returns the token and its expiry time. */
  issue(target: ArchiveTarget): { token: string; expiresAt: number } {
    const token = randomBytes(12).toString("hex");
    const now = this.now();
    const expiresAt = now + ARCHIVE_URL_TTL_MS;
    // Expired tickets are dropped as new ones are issued, so the map stays small.
    for (const [k, t] of this.tickets) if (now >= t.expiresAt) this.tickets.delete(k);
    this.tickets.set(token, { ...target, expiresAt });
    return { token, expiresAt };
  }

  /** What a valid token stands for, or null when unknown or expired. */
  redeem(token: string): ArchiveTarget | null {
    const t = this.tickets.get(token);
    if (!t) return null;
    if (this.now() >= t.expiresAt) {
      this.tickets.delete(token);
      return null;
    }
    return t;
  }
}

/** Builds an uncompressed tar of the files directly inside `dir` (relative names, no `..`). */
export async function tarDirectory(dir: string): Promise<Buffer> {
  const files = readdirSync(dir).sort();
  const pack = create({ cwd: dir, portable: true }, files);
  const parts: Buffer[] = [];
  for await (const chunk of pack) parts.push(Buffer.from(chunk as Uint8Array));
  return Buffer.concat(parts);
}

/** Formats a time as an HTTP date (`Thu, 01 Jan 2026 00:15:00 GMT`), the format 0.4.1 parses. */
export function httpDate(ms: number): string {
  return new Date(ms).toUTCString();
}
