import type { Request, Response } from 'express';
import { FhirError, outcome } from '../outcomes.ts';

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
   * After a refusal: the answer goes out at once, and the rest of the body is read and dropped in
   * the background (never stored), so that a client still sending (a browser uploading a file for
   * the wrong patient) finishes and reads the answer instead of a reset. Beyond `capBytes` more the
   * connection is cut: a body that long is not a mistake. A declared length over the cap closes the
   * connection after the answer.
   */
  discard(res: Response, capBytes: number): void {
    this.#detach();
    this.#queue.length = 0;
    const req = this.#req;
    if (req.complete || req.destroyed) return;
    const declared = Number(req.get('content-length') ?? 0);
    if (declared > capBytes) res.set('Connection', 'close');
    let dropped = 0;
    const done = (): void => {
      req.off('data', onData).off('end', done).off('close', done).off('error', done);
    };
    const onData = (piece: Buffer): void => {
      dropped += piece.length;
      if (dropped > capBytes) {
        done();
        req.socket.destroy();
      }
    };
    req.on('data', onData).on('end', done).on('close', done).on('error', done);
    req.resume();
  }
}
