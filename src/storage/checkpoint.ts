// WAL checkpoints off the event loop: SQLite's automatic checkpoint runs inside the commit that
// crosses the threshold, so that one write pays for copying the WAL into the database and for the
// fsyncs. Here a worker thread with its own connection runs PASSIVE checkpoints (which never block
// writers) every `every` commits. Commits are unchanged: each is in the WAL before it returns.
import { Worker } from 'node:worker_threads';
import { createRequire } from 'node:module';
import type Database from 'better-sqlite3';
import type { Logger } from 'pino';

const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file);
db.pragma('synchronous = NORMAL');
db.pragma('busy_timeout = 50');
parentPort.on('message', (m) => {
  if (m === 'stop') {
    db.close();
    const flag = new Int32Array(workerData.stopped);
    Atomics.store(flag, 0, 1);
    Atomics.notify(flag, 0);
    parentPort.close();
    return;
  }
  let err, log = 0;
  try { log = db.pragma('wal_checkpoint(PASSIVE)')[0].log; } catch (e) { err = String(e && e.message || e); }
  parentPort.postMessage({ log, err });
});
`;

/** WAL frames (pages) after which the writer finishes a checkpoint itself (about 16 MB). */
const RESET_FRAMES = 4000;

export class Checkpointer {
  private worker?: Worker;
  private commits = 0;
  private inFlight = false;
  private failed = false;
  private readonly stopped = new SharedArrayBuffer(4);

  constructor(
    private readonly db: Database.Database,
    private readonly file: string,
    private readonly every = 200,
    private readonly logger?: Logger,
    /** commits the writer's open batch: SQLite cannot checkpoint inside a transaction */
    private readonly commitOpen: () => void = () => {},
  ) {
    // the worker is started on first need: an idle server does not pay for a thread
    db.pragma('wal_autocheckpoint = 0');
  }

  /** Called after each commit. */
  committed(): void {
    if (this.failed || ++this.commits < this.every || this.inFlight) return;
    this.commits = 0;
    const w = this.worker ?? this.start();
    if (!w) return;
    this.inFlight = true;
    w.postMessage('checkpoint');
  }

  private start(): Worker | undefined {
    try {
      const driver = createRequire(import.meta.url).resolve('better-sqlite3');
      const w = new Worker(WORKER, { eval: true, workerData: { driver, file: this.file, stopped: this.stopped } });
      w.unref();
      w.on('message', (m: { log: number; err?: string }) => {
        this.inFlight = false;
        if (m.err) this.logger?.debug({ err: m.err }, 'WAL checkpoint skipped');
        // Under a steady stream of writes the worker never catches up with the writer, and SQLite
        // only rewinds the WAL once a checkpoint has copied all of it: when it has grown large, the
        // writer copies the few frames left itself (between two transactions), so the next commit
        // starts the WAL over.
        if (m.log > RESET_FRAMES && this.db.open) {
          try {
            this.commitOpen();
            this.db.pragma('wal_checkpoint(PASSIVE)');
          } catch (err) {
            this.logger?.debug({ err }, 'WAL checkpoint in the writer skipped');
          }
        }
      });
      w.on('error', (err) => this.fallback(err));
      this.worker = w;
      return w;
    } catch (err) {
      this.fallback(err);
      return undefined;
    }
  }

  /** No worker: SQLite checkpoints in the commit again. */
  private fallback(err: unknown): void {
    this.failed = true;
    this.worker = undefined;
    this.logger?.warn({ err }, 'WAL checkpoint worker failed; checkpointing in the writer');
    if (this.db.open) this.db.pragma('wal_autocheckpoint = 1000');
  }

  /** Closes the worker's connection (waits up to 2 s), so that closing the writer's ends the WAL as before. */
  stop(): void {
    const w = this.worker;
    this.worker = undefined;
    this.failed = true;
    if (!w) return;
    w.postMessage('stop');
    Atomics.wait(new Int32Array(this.stopped), 0, 0, 2000);
  }
}
