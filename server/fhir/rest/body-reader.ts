import type { Request, Response } from 'express';
import { FhirError, outcome } from '../outcomes.ts';

/** How much of a refused upload is still read (and dropped) so the client gets the answer; beyond it the connection is cut. */
export const DISCARD_BYTES = 1024 * 1024;
const DISCARD_WAIT_MS = 5000;

/**
 * A request body read piece by piece, for uploads streamed into the blob store. Unlike the stream's
 * own async iterator, stopping early (a refusal, a limit passed) does not destroy the request: the
 * response can still be sent. At most one piece waits here (the request is paused meanwhile), so
 * the body never accumulates in memory. A client that goes away midway makes the iteration throw
 * (400 `incomplete`), and whatever was being written from it is deleted by its writer.
 */
export class BodyReader {
  readonly #req: Request;
  readonly #queue: Buffer[] = [];
  #ended = false;
  #failure?: FhirError;
  #wake?: () => void;
  #attached = false;

  constructor(req: Request) {
    this.#req = req;
  }

  readonly #onData = (piece: Buffer): void => {
    this.#queue.push(piece);
    this.#req.pause();
    this.#notify();
  };
  readonly #onEnd = (): void => {
    this.#ended = true;
    this.#notify();
  };
  readonly #onClose = (): void => {
    if (!this.#req.complete)
      this.#failure ??= new FhirError(400, outcome('incomplete', 'The upload was cut off before its end'));
    this.#notify();
  };

  #notify(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }

  #attach(): void {
    if (this.#attached) return;
    this.#attached = true;
    this.#req.on('data', this.#onData).on('end', this.#onEnd).on('error', this.#onClose).on('close', this.#onClose);
  }

  #detach(): void {
    if (!this.#attached) return;
    this.#attached = false;
    this.#req.off('data', this.#onData).off('end', this.#onEnd).off('error', this.#onClose).off('close', this.#onClose);
  }

  /** The body's pieces as they arrive. */
  async *pieces(): AsyncGenerator<Buffer> {
    this.#attach();
    try {
      for (;;) {
        const piece = this.#queue.shift();
        if (piece) {
          yield piece;
          continue;
        }
        if (this.#failure) throw this.#failure;
        if (this.#ended) return;
        const arrived = new Promise<void>((resolve) => (this.#wake = resolve));
        this.#req.resume();
        await arrived;
      }
    } finally {
      this.#detach();
      this.#req.pause();
    }
  }

  /**
   * After a refusal: reads and drops the rest of the body, up to DISCARD_BYTES, so that the client,
   * still sending, reads the answer instead of a reset; the connection is closed after the answer.
   * A longer body (or one that stalls) is cut off at once.
   */
  async discard(res: Response): Promise<void> {
    this.#detach();
    this.#queue.length = 0;
    const req = this.#req;
    if (req.complete || req.destroyed) return;
    res.set('Connection', 'close');
    await new Promise<void>((resolve) => {
      let dropped = 0;
      // A client that stops sending without closing is not waited for.
      const timer = setTimeout(() => {
        done();
        req.socket.destroy();
      }, DISCARD_WAIT_MS);
      const done = (): void => {
        clearTimeout(timer);
        req.off('data', onData).off('end', done).off('close', done).off('error', done);
        resolve();
      };
      const onData = (piece: Buffer): void => {
        dropped += piece.length;
        if (dropped > DISCARD_BYTES) {
          done();
          req.socket.destroy();
        }
      };
      req.on('data', onData).on('end', done).on('close', done).on('error', done);
      req.resume();
    });
  }
}
