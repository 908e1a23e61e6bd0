// Evaluated before citty (which decides on colours once, when it loads): no ANSI colours unless both
// stdout and stderr are terminals, so `mcp-gateway --help | less` and logs in files stay plain text.
if (!process.stdout.isTTY || !process.stderr.isTTY) process.env.NO_COLOR ??= "1";
