// What a stdio backend's process may see of the gateway's environment. The gateway's environment holds
// tokens meant for other backends; a child gets what programs need to run, plus its own `env:`.

/** Variables every child keeps (compared case-insensitively on Windows). */
const SAFE = [
  "PATH",
  "HOME",
  "USER",
  "LOGNAME",
  "LANG",
  "LANGUAGE",
  "TERM",
  "TMPDIR",
  "SHELL",
  "TZ",
  "XDG_CONFIG_HOME",
  "XDG_CACHE_HOME",
  "XDG_DATA_HOME",
  "XDG_RUNTIME_DIR",
];
const SAFE_WINDOWS = [
  "SYSTEMROOT",
  "SYSTEMDRIVE",
  "COMSPEC",
  "PATHEXT",
  "WINDIR",
  "TEMP",
  "TMP",
  "USERPROFILE",
  "USERNAME",
  "USERDOMAIN",
  "HOMEDRIVE",
  "HOMEPATH",
  "APPDATA",
  "LOCALAPPDATA",
  "PROGRAMDATA",
  "PROGRAMFILES",
  "PROGRAMFILES(X86)",
  "PROGRAMW6432",
  "COMMONPROGRAMFILES",
  "COMPUTERNAME",
  "OS",
  "PROCESSOR_ARCHITECTURE",
  "NUMBER_OF_PROCESSORS",
];

/** Whether a variable of the gateway's environment passes to every child on this platform. */
export function isSafeVariable(name: string, platform: NodeJS.Platform = process.platform): boolean {
  const windows = platform === "win32";
  const key = windows ? name.toUpperCase() : name;
  if (key.startsWith("LC_")) return true;
  return SAFE.includes(key) || (windows && SAFE_WINDOWS.includes(key));
}

/**
 * The environment of a stdio backend: the safe set of `parent` (all of it with `inherit`), then `own`
 * on top.
 */
export function childEnvironment(
  own: Record<string, string>,
  options: {
    inherit?: boolean;
    parent?: Record<string, string | undefined>;
    platform?: NodeJS.Platform;
  } = {},
): Record<string, string> {
  const parent = options.parent ?? process.env;
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(parent)) {
    if (value === undefined) continue;
    if (options.inherit || isSafeVariable(name, options.platform)) env[name] = value;
  }
  return { ...env, ...own };
}
