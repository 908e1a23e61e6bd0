/** Types of platform.mjs (the launcher's per-OS choices). */
export interface PlatformFacts {
  /** `process.platform` */
  platform: string;
  /** `process.arch` */
  arch: string;
  /** Linux with musl libc (Alpine). */
  musl: boolean;
}
export function bunPackages(facts: PlatformFacts): { name: string; exe: string }[];
export function signalPlan(platform: string): { forward: NodeJS.Signals[]; absorb: NodeJS.Signals[] };
export function exitPlan(ended: {
  platform: string;
  code: number | null;
  signal: NodeJS.Signals | null;
}): { code: number } | { signal: NodeJS.Signals };
export function relaunchCommand(paths: { execPath: string; script: string }): string[];
