/** A data file imported `with { type: "file" }`: its path (inside the binary when compiled). */
declare module "*.txt" {
  const path: string;
  export default path;
}
