declare module 'seek-bzip' {
  /** An output stream seek-bzip writes one byte at a time (its `Stream` interface). */
  interface ByteSink {
    writeByte(b: number): void;
    flush(): void;
  }
  const Bunzip: { decode(input: Buffer, output?: Buffer | ByteSink, multistream?: boolean): Buffer };
  export default Bunzip;
}
