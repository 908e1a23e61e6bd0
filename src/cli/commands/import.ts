import { defineCommand } from "citty";
export const importCommand = defineCommand({ meta: { name: "todo", hidden: true } });
