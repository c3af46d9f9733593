// Type-level assertions for the type tests. Nothing here runs.

/** `true` when A and B are the same type (not merely mutually assignable). */
export type Equal<A, B> = (<G>() => G extends A ? 1 : 2) extends <G>() => G extends B ? 1 : 2 ? true : false;

/** Compiles only for `true`: `type _ = Expect<Equal<X, Y>>`. */
export type Expect<T extends true> = T;

/** `true` when A is assignable to B. */
export type Extends<A, B> = [A] extends [B] ? true : false;

/** A value of any type, for expressions whose result is checked. */
export declare function value<T>(): T;

/** Marks a branch unreachable: compiles only when `x` is `never`. */
export declare function unreachable(x: never): never;
