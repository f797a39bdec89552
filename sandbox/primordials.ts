/**
 * The built-ins the sandbox child's own code uses, captured when this module is evaluated: before
 * Pyodide loads and long before any user code runs. Python can reach every JavaScript global (`js`,
 * `pyodide.code.run_js`) and replace a method on a shared prototype (`Uint8Array.prototype.subarray`,
 * `TextEncoder.prototype.encode`, `JSON.stringify`, `String.prototype.slice`, …); the relay, the
 * stdin reader and the output capture call only these captured originals, so a patched prototype
 * never sees the nonce or a relay line. Methods are "uncurried" (`slice(bytes, 0, n)` instead of
 * `bytes.slice(0, n)`) as Deno's own primordials are.
 */

const call = Function.prototype.call;
const bind = Function.prototype.bind;
const apply = Reflect.apply;

/** `fn` as a function taking its receiver first, immune to later patches of `Function.prototype`. */
// deno-lint-ignore no-explicit-any
function uncurry<T, A extends any[], R>(
  fn: (this: T, ...args: A) => R,
): (self: T, ...args: A) => R {
  return apply(bind, call, [fn]) as (self: T, ...args: A) => R;
}

const TypedArrayPrototype = Object.getPrototypeOf(Uint8Array.prototype);

/** The `Uint8Array` constructor. */
export const Bytes = Uint8Array;
/** The `Promise` constructor. */
export const PromiseCtor = Promise;
/** The `TextDecoder` constructor. */
export const TextDecoderCtor = TextDecoder;

/** `bytes.subarray(start, end)`. */
export const subarray: (bytes: Uint8Array, start?: number, end?: number) => Uint8Array = uncurry(
  TypedArrayPrototype.subarray,
);
/** `bytes.slice(start, end)`. */
export const slice: (bytes: Uint8Array, start?: number, end?: number) => Uint8Array = uncurry(
  TypedArrayPrototype.slice,
);
/** `target.set(source, offset)`. */
export const setBytes: (target: Uint8Array, source: Uint8Array, offset?: number) => void = uncurry(
  TypedArrayPrototype.set,
);
/** `bytes.indexOf(value, from)`. */
export const indexOf: (bytes: Uint8Array, value: number, from?: number) => number = uncurry(
  TypedArrayPrototype.indexOf,
);
/** `bytes.length`. */
export const byteLength: (bytes: Uint8Array) => number = uncurry(
  Object.getOwnPropertyDescriptor(TypedArrayPrototype, "length")!.get!,
);
/** `decoder.decode(bytes, options)`. */
export const decode: (
  decoder: TextDecoder,
  bytes?: Uint8Array,
  options?: TextDecodeOptions,
) => string = uncurry(TextDecoder.prototype.decode);

const encoder = new TextEncoder();
const encodeMethod = TextEncoder.prototype.encode;
/** UTF-8 bytes of `text`. */
export function encode(text: string): Uint8Array {
  return apply(encodeMethod, encoder, [text]);
}

/** `JSON.stringify`. */
export const stringify = JSON.stringify;
/** `JSON.parse`. */
export const parseJson: (text: string) => unknown = JSON.parse;
/** `Math.min`. */
export const min = Math.min;
/** `array.push(item)`. */
export const push: <T>(array: T[], item: T) => number = uncurry(Array.prototype.push);
/** `text.slice(start, end)`. */
export const stringSlice: (text: string, start?: number, end?: number) => string = uncurry(
  String.prototype.slice,
);
