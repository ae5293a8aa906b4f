/** A stored workflow bundle, as `listBundles` returns it. */
export interface BundleInfo {
  hash: string;
  /** When it was last stored (`putBundle`), epoch ms of the World's clock. */
  storedAt: number;
}
