import pkg from "../package.json" with { type: "json" };

/** The gateway's version; `scripts/build.ts` may override it at compile time via MCP_GATEWAY_BUILD_VERSION. */
export const VERSION: string = process.env.MCP_GATEWAY_BUILD_VERSION ?? pkg.version;
