import { close, fdatasync, fsync, open } from "node:fs";
import { dirname } from "node:path";
import type { AfterCommitSync } from "./group-commit.js";

/**
 * Makes commits durable off the event loop. With `synchronous=FULL`, SQLite fsyncs
 * the WAL inside COMMIT, which blocks the thread for the whole fsync (milliseconds on
 * a busy disk): no request is read, no connection accepted meanwhile (libuv accepts
 * one connection per loop turn). Instead the World runs `synchronous=NORMAL`, whose
 * COMMIT only writes the WAL frames, and this fdatasyncs the WAL file on libuv's
 * thread pool before any writer of the batch hears back: the same guarantee (an
 * acknowledged write survives power loss) with the loop free during the fsync.
 * NORMAL still syncs the WAL before a checkpoint copies it and the database after,
 * so frames are only overwritten once they are durable in the database file.
 *
 * One fdatasync at a time; batches committed while it runs share the next one, which
 * starts after their COMMIT returned (an fsync covers every write made before it began).
 */
export class WalSync implements AfterCommitSync {
  private fd: Promise<number> | undefined;
  private running: Promise<void> | undefined;
  private waiting: Array<(error?: unknown) => void> = [];

  constructor(private readonly walPath: string) {}

  /** Calls `then` once every write committed so far is durable (with the error if the fsync failed). */
  after(then: (error?: unknown) => void): void {
    this.waiting.push(then);
    if (!this.running) this.next();
  }

  get busy(): boolean {
    return this.running !== undefined || this.waiting.length > 0;
  }

  /** Resolves once no fsync is running or waiting (close waits for it). */
  async drain(): Promise<void> {
    while (this.running) await this.running;
  }

  /** Closes the WAL file (after `drain`). */
  async close(): Promise<void> {
    await this.drain();
    const fd = this.fd;
    this.fd = undefined;
    if (fd)
      await fd.then(
        (n) => new Promise<void>((resolve) => close(n, () => resolve())),
        () => {},
      );
  }

  private next(): void {
    const batch = this.waiting.splice(0);
    this.running = this.sync().then(
      () => {
        for (const then of batch) then();
      },
      (error: unknown) => {
        for (const then of batch) then(error);
      },
    );
    void this.running.finally(() => {
      this.running = undefined;
      if (this.waiting.length > 0) this.next();
    });
  }

  private sync(): Promise<void> {
    // Opened on first use: the WAL file exists once the database has been written in WAL mode.
    // Its directory is fsynced once too (as SQLite does for a WAL it creates): the file's name is durable.
    this.fd ??= openFile(this.walPath, "r+").then(async (fd) => {
      await openFile(dirname(this.walPath), "r").then(
        (dir) => fsyncThenClose(dir),
        () => {},
      );
      return fd;
    });
    const fd = this.fd;
    return fd.then(
      (n) =>
        new Promise<void>((resolve, reject) => fdatasync(n, (error) => (error ? reject(error) : resolve()))),
      (error: unknown) => {
        // Not opened (yet): try again next time rather than keep the failure.
        if (this.fd === fd) this.fd = undefined;
        throw error;
      },
    );
  }
}

function openFile(file: string, flags: string): Promise<number> {
  return new Promise((resolve, reject) =>
    open(file, flags, (error, fd) => (error ? reject(error) : resolve(fd))),
  );
}

/** fsyncs a directory (its entries) and closes it; a platform that cannot fsync a directory is left as is. */
function fsyncThenClose(fd: number): Promise<void> {
  return new Promise((resolve) => fsync(fd, () => close(fd, () => resolve())));
}
