import { defineCommand } from "citty";
export const setupCommand = defineCommand({ meta: { name: "todo", hidden: true } });
