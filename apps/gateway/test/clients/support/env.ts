/** The test process's environment, read in this one place (Biome `noProcessEnv`). */
export function testProcessEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) if (value !== undefined) env[key] = value;
  return env;
}

/** `TF_TEST_FROM_SOURCE=1` runs `tf` through tsx instead of the bundle (for debugging). */
export function testFromSource(): boolean {
  return process.env.TF_TEST_FROM_SOURCE === "1";
}
