/**
 * simdnn/keras: Keras 3's `.keras` files (model.save("x.keras")). Its own entry point, so a bundle that does not
 * import it does not carry the zip and HDF5 readers; unbundled, nn.loadLayersModel("file://x.keras") and
 * nn.io.kerasFile load it by themselves. Importing it makes them work in bundled code.
 */
// The main entry as a whole, so its modules form one chunk that every entry shares (fewer files to load).
import "./index.js";
import * as reader from "./io/keras_archive.js";
import { registerReader } from "./io/readers.js";

registerReader("keras", reader);

export { kerasArchiveToArtifacts, readZip } from "./io/keras_archive.js";
export { type Hdf5Dataset, readHdf5 } from "./io/hdf5.js";
