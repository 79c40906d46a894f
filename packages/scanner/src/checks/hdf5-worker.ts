/** Worker-thread entry: the HDF5 library runs here, so a hostile file that hangs it can be stopped. */
import { parentPort } from 'node:worker_threads';
import { type Hdf5Request, inspectHdf5 } from './hdf5-inspect.js';
import { hdf5Runtime } from './hdf5-runtime.js';

const port = parentPort;
if (port) {
  port.on('message', (request: { id: number } & Hdf5Request) => {
    hdf5Runtime()
      .then((rt) => inspectHdf5(rt, request))
      .then(
        (result) => port.postMessage({ id: request.id, result }),
        (err: unknown) => port.postMessage({ id: request.id, error: String(err) }),
      );
  });
}
