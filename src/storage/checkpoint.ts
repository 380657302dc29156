// WAL checkpoints off the event loop: SQLite's automatic checkpoint runs inside the commit that
// crosses the threshold, so that one write pays for copying the WAL into the database and for the
// fsyncs. Here a worker thread with its own connection runs PASSIVE checkpoints (which never block
// writers) every `every` commits, and once a second after any commit (an idle server's WAL is
// copied too). Commits are unchanged: each is in the WAL before it returns.
// The WAL is kept small, since its size is what a full disk costs at the next start (the frames
// not yet copied into the database need room there): the writer rewinds it once it passes
// RESET_FRAMES (a TRUNCATE checkpoint: the file goes), and journal_size_limit cuts the file back
// whenever it rewinds otherwise (SQLite reuses the file at its largest size:
// https://sqlite.org/pragma.html#pragma_journal_size_limit, https://sqlite.org/wal.html).
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
db.pragma('journal_size_limit = ' + workerData.limit);
parentPort.on('message', (m) => {
  if (m === 'stop') {
    db.close();
    const flag = new Int32Array(workerData.stopped);
    Atomics.store(flag, 0, 1);
    Atomics.notify(flag, 0);
    parentPort.close();
    return;
  }
  let err, log = 0, checkpointed = 0;
  try { ({ log, checkpointed } = db.pragma('wal_checkpoint(PASSIVE)')[0]); } catch (e) { err = String(e && e.message || e); }
  parentPort.postMessage({ log, checkpointed, err });
});
`;

/** WAL frames (pages of 4 KB) after which the writer finishes a checkpoint itself (about 4 MB) ... */
const RESET_FRAMES = 1000;
/** ... when the worker left at most this many frames for it (a short copy between two transactions) ... */
const SMALL_REMAINDER = 256;
/** ... or, whatever is left, once the WAL has grown past this (about 32 MB): the WAL stays bounded. */
const MAX_FRAMES = 8000;
/** journal_size_limit: the WAL file is cut back to this when it rewinds (bytes). */
export const WAL_SIZE_LIMIT = 4 * 1024 * 1024;
/** an idle WAL is checkpointed this long after its last commit */
const IDLE_CHECKPOINT_MS = 1000;

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
    db.pragma(`journal_size_limit = ${WAL_SIZE_LIMIT}`);
  }

  private idleTimer?: NodeJS.Timeout;

  /** Called after each commit. */
  committed(): void {
    if (this.failed) return;
    if (++this.commits < this.every || this.inFlight) {
      // commits that stop short of `every` are checkpointed once the writes pause
      if (!this.idleTimer) {
        this.idleTimer = setTimeout(this.idle, IDLE_CHECKPOINT_MS);
        this.idleTimer.unref();
      }
      return;
    }
    this.checkpoint();
  }

  private readonly idle = (): void => {
    this.idleTimer = undefined;
    if (this.failed || this.commits === 0) return;
    if (this.inFlight) {
      this.idleTimer = setTimeout(this.idle, IDLE_CHECKPOINT_MS);
      this.idleTimer.unref();
      return;
    }
    this.checkpoint();
  };

  private checkpoint(): void {
    this.commits = 0;
    const w = this.worker ?? this.start();
    if (!w) return;
    this.inFlight = true;
    w.postMessage('checkpoint');
  }

  private start(): Worker | undefined {
    try {
      const driver = createRequire(import.meta.url).resolve('better-sqlite3');
      const w = new Worker(WORKER, { eval: true, workerData: { driver, file: this.file, stopped: this.stopped, limit: WAL_SIZE_LIMIT } });
      w.unref();
      w.on('message', (m: { log: number; checkpointed: number; err?: string }) => {
        this.inFlight = false;
        if (m.err) this.logger?.debug({ err: m.err }, 'WAL checkpoint skipped');
        // Under a steady stream of writes the worker never catches up with the writer, and SQLite
        // only rewinds the WAL once a checkpoint has copied all of it: when it has grown large, the
        // writer copies the few frames left itself (between two transactions), so the next commit
        // starts the WAL over.
        // It does so only when the copy is short: few frames were left when the worker answered and
        // at most one commit has added to them since (or the WAL is past MAX_FRAMES); otherwise
        // the worker goes again at once, and catches up as the writes pause.
        if (this.failed || m.log <= RESET_FRAMES || !this.db.open) return;
        const short = m.log - m.checkpointed <= SMALL_REMAINDER && this.commits <= 1;
        if (!short && m.log <= MAX_FRAMES) return this.checkpoint();
        try {
          this.commitOpen();
          // TRUNCATE: no other connection is busy (the worker has answered), so it waits for
          // nobody; the WAL file is cut to nothing and the next commit starts it over
          this.db.pragma('wal_checkpoint(TRUNCATE)');
        } catch (err) {
          this.logger?.debug({ err }, 'WAL checkpoint in the writer skipped');
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
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
    const w = this.worker;
    this.worker = undefined;
    this.failed = true;
    if (!w) return;
    w.postMessage('stop');
    Atomics.wait(new Int32Array(this.stopped), 0, 0, 2000);
  }
}
