/** A `.tiktoken` vocabulary imported `with { type: "file" }`: its path (inside the binary when compiled). */
declare module "*.tiktoken" {
  const path: string;
  export default path;
}
