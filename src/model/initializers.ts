// Weight initialisers, Keras names and definitions. fanIn/fanOut as Keras computes them for a
// dense kernel [in, units]: fanIn = in, fanOut = units.
import { checkName, checkNumber, show, ValueError } from "../errors.js";
import type { Rng } from "../random.js";

/** Draws one value; called once per element in row-major order, so a seed reproduces the weights. */
export type Initializer = (rng: Rng, fanIn: number, fanOut: number) => number;

/** Keras' VarianceScaling: scale / fan, uniform on ±√(3·s) or truncated normal with σ = √s / 0.8796 (Keras' truncation correction). */
function variance(scale: number, mode: "fanIn" | "fanAvg", distribution: "uniform" | "truncated" | "normal"): Initializer {
  return (rng, fanIn, fanOut) => {
    const fan = mode === "fanIn" ? fanIn : (fanIn + fanOut) / 2;
    const s = scale / Math.max(1, fan);
    if (distribution === "uniform") return (2 * rng.uniform() - 1) * Math.sqrt(3 * s);
    if (distribution === "normal") return rng.normal() * Math.sqrt(s);
    return (rng.truncatedNormal() * Math.sqrt(s)) / 0.87962566103423978;
  };
}

/** The one table of initialisers. */
export const INITIALIZERS = {
  glorotUniform: variance(1, "fanAvg", "uniform"),
  glorotNormal: variance(1, "fanAvg", "truncated"),
  heUniform: variance(2, "fanIn", "uniform"),
  heNormal: variance(2, "fanIn", "truncated"),
  lecunUniform: variance(1, "fanIn", "uniform"),
  lecunNormal: variance(1, "fanIn", "truncated"),
  zeros: () => 0,
  ones: () => 1,
  randomNormal: (rng: Rng) => 0.05 * rng.normal(),
  randomUniform: (rng: Rng) => -0.05 + 0.1 * rng.uniform(),
  truncatedNormal: (rng: Rng) => 0.05 * rng.truncatedNormal(),
} as const satisfies Record<string, Initializer>;

/** A name from {@link INITIALIZERS}. */
export type InitializerName = keyof typeof INITIALIZERS;
const NAMES = Object.keys(INITIALIZERS) as InitializerName[];

/** A constant initialiser (Keras' Constant). */
export function constant(value: number): Initializer {
  const v = checkNumber("constant value", value);
  return () => v;
}

/** A name or a function, checked. */
export function resolveInitializer(what: string, init: InitializerName | Initializer): Initializer {
  if (typeof init === "function") return init;
  if (typeof init !== "string") throw new ValueError(`${what} must be an initializer name or function; received ${show(init)}.`);
  return INITIALIZERS[checkName(what, init, NAMES)];
}
