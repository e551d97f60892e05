export { type Digits, datasets, loadDigits, trainTestSplit } from "./digits.js";
export { gunzip, type Idx, type IdxData, imagesToFloat32, parseIdx, readIdx } from "./idx.js";
export { oneHot } from "./split.js";
