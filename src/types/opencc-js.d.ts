// The package's own declarations import './core' without an extension, which NodeNext resolution cannot follow,
// so its types come out unresolved: these are the parts Candor uses (the one-way converter bundles).
declare module 'opencc-js/t2cn' {
  /** Locale names such as 't' (OpenCC Traditional), 'tw', 'hk', 'cn' (Simplified). */
  export function Converter(options: { from: string; to: string }): (text: string) => string;
}

declare module 'opencc-js/cn2t' {
  export function Converter(options: { from: string; to: string }): (text: string) => string;
}
