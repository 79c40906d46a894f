/** Worker-thread entry: hashes one descriptor at a time with two reused `chunkBytes` buffers. */
import { parentPort, workerData } from 'node:worker_threads';
import { osErrorCode } from './errors.js';
import { allocChunk, hashFd } from './hash-file.js';
import type { DigestRequest, WorkerConfig, WorkerMessage } from './protocol.js';

const port = parentPort;
if (port) {
  const config = workerData as WorkerConfig;
  const buffers = [allocChunk(config.chunkBytes), allocChunk(config.chunkBytes)] as const;
  const post = (message: WorkerMessage): void => port.postMessage(message);

  port.on('message', (request: DigestRequest) => {
    const { id, fd } = request;
    hashFd(fd, buffers, {
      progressEvery: config.progressEvery,
      onProgress: (bytes) => post({ kind: 'progress', id, bytes }),
    }).then(
      (result) => post({ kind: 'done', id, hex: result!.hex, bytes: result!.bytes }),
      (err: unknown) => post({ kind: 'error', id, code: osErrorCode(err), message: String(err) }),
    );
  });
  post({ kind: 'ready' });
}
