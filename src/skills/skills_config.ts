/**
 * The `skills` section of `mcp_servers.json`: where saved skills live.
 */
import { z } from "zod";

/** The `skills` section of the configuration. */
export const SkillsConfigSchema = z.object({
  dir: z.string().min(1).default("./skills")
    .describe(
      "The folder of saved skills (one <name>.py each); relative to the config file's folder; " +
        "created when the first skill is saved.",
    ),
}).strict();

/** Skill settings with defaults applied. */
export type SkillsConfig = z.infer<typeof SkillsConfigSchema>;
