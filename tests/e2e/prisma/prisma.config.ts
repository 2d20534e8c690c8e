// Prisma 7 reads the schema's location (and, for commands that connect, the URL) from here.
import { defineConfig } from "prisma/config";

export default defineConfig({
  schema: "schema.prisma",
});
