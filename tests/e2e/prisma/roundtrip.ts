// The shared-database promise, end to end: the web application's own Prisma client creates jobs
// the way the seed does (its defaults, config.llmProvider), Callboard's real binary processes
// them (`callboard worker --drain`), and the client reads status, progress, playbookId and
// events back. Needs CALLBOARD_TEST_PG_URL (an admin URL of the test server) and
// CALLBOARD_BINARY.
import { execFileSync } from "node:child_process";
import { randomUUID } from "node:crypto";

import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";

import { PrismaClient } from "./generated/client.ts";

function fail(message: string): never {
  console.error(`FAIL: ${message}`);
  process.exit(1);
}

function check(condition: unknown, message: string): asserts condition {
  if (!condition) fail(message);
}

const adminUrl = process.env.CALLBOARD_TEST_PG_URL;
const binary = process.env.CALLBOARD_BINARY;
if (!adminUrl) fail("CALLBOARD_TEST_PG_URL is not set: run through scripts/test.sh, which starts a PostgreSQL server");
if (!binary) fail("CALLBOARD_BINARY is not set");

const plays: Record<string, string> = {
  "tempest.txt":
    "THE TEMPEST\n\nACT I.\n\nSCENE I. On a ship at sea.\n\nMASTER. Boatswain!\n\n" +
    "BOATSWAIN. Here, master: what cheer?\n\nMASTER. Good, speak to the mariners.\n\n" +
    "SCENE II. The island.\n\nMIRANDA. If by your art, my dearest father, you have\n" +
    "Put the wild waters in this roar, allay them.\n\nPROSPERO. Be collected.\n",
  "earnest.txt":
    "THE IMPORTANCE OF BEING EARNEST\n\nACT I.\n\nSCENE I. Algernon's flat.\n\n" +
    "ALGERNON. Did you hear what I was playing, Lane?\n\n" +
    "LANE. I didn't think it polite to listen, sir.\n\nALGERNON. I'm sorry for that.\n",
};

const database = `cbprisma_${randomUUID().replaceAll("-", "").slice(0, 16)}`;
const url = new URL(adminUrl);
url.pathname = `/${database}`;
const dbUrl = url.toString();

function callboard(args: string[], timeoutMs = 120000): string {
  try {
    return execFileSync(binary!, ["--db", dbUrl, ...args], {
      encoding: "utf8",
      timeout: timeoutMs,
      env: { ...process.env, CALLBOARD_DB: "", WORKER_COUNT: "" },
      stdio: ["ignore", "pipe", "pipe"],
    });
  } catch (error) {
    const e = error as { status?: number; stderr?: string };
    fail(`callboard ${args.join(" ")} exited ${e.status}: ${e.stderr}`);
  }
}

const admin = new pg.Client({ connectionString: adminUrl });
await admin.connect();
await admin.query(`CREATE DATABASE ${database}`);

const prisma = new PrismaClient({ adapter: new PrismaPg({ connectionString: dbUrl }) });
try {
  // The tables `prisma migrate` would create: Callboard's migration 1 makes exactly those (the
  // schema engine that `prisma migrate` needs cannot be downloaded here).
  callboard(["migrate"]);

  // As the web application creates a job: only the text, the file name and the config; every
  // other column takes the seed's default.
  const created = [];
  for (const [filename, rawText] of Object.entries(plays)) {
    created.push(
      await prisma.parseJob.create({
        data: { rawText, filename, config: { llmProvider: "heuristic", chunkSize: 3 } },
      }),
    );
  }
  for (const job of created) {
    check(job.status === "queued", `new job is ${job.status}, not queued`);
    check(job.type === "PARSE_PLAY", `new job type ${job.type}`);
    check(job.priority === 0 && job.retryCount === 0 && job.maxRetries === 3, "seed defaults");
    check(job.progress === 0 && job.completedChunks === 0 && job.totalChunks === null, "no progress yet");
    check(Array.isArray(job.checkpoints) && job.checkpoints.length === 0, "checkpoints default []");
    check(job.playbookId === null, "no playbook yet");
  }

  // Callboard lists them as its own.
  const listed = JSON.parse(callboard(["list", "--json"])) as { id: string; status: string }[];
  check(listed.length === created.length, `callboard list shows ${listed.length} jobs`);

  // Progress written after every chunk (as a slow LLM parse would), so that the chunk counts
  // the web application's progress bar reads are checked too.
  callboard(["worker", "--drain", "--workers", "2", "--progress-interval-ms", "0"]);

  const jobs = await prisma.parseJob.findMany({
    include: { events: { orderBy: { createdAt: "asc" } } },
    orderBy: { filename: "asc" },
  });
  check(jobs.length === created.length, `${jobs.length} jobs after the worker`);
  for (const job of jobs) {
    const name = job.filename;
    check(job.status === "completed", `${name}: status ${job.status} (${job.lastError ?? ""} ${job.failureReason ?? ""})`);
    check(job.progress === 100, `${name}: progress ${job.progress}`);
    check(job.totalChunks !== null && job.totalChunks > 1, `${name}: totalChunks ${job.totalChunks} (chunkSize 3)`);
    check(job.completedChunks === job.totalChunks, `${name}: ${job.completedChunks} of ${job.totalChunks} chunks`);
    check(typeof job.playbookId === "string" && job.playbookId.length > 0, `${name}: no playbookId`);
    check(job.startedAt !== null && job.completedAt !== null, `${name}: startedAt/completedAt unset`);
    // Both clients write UTC: Callboard's times follow the web application's createdAt.
    const skew = job.completedAt!.getTime() - job.createdAt.getTime();
    check(skew >= -2000 && skew < 120000, `${name}: completedAt is ${skew} ms after createdAt`);
    check(job.workerId === null && job.lockExpiry === null, `${name}: still locked`);
    check((job.config as { llmProvider?: string }).llmProvider === "heuristic", `${name}: config changed`);

    const names = job.events.map((event) => event.event);
    check(names.includes("claimed"), `${name}: events ${names.join(",")} lack claimed`);
    check(names.includes("completed"), `${name}: events ${names.join(",")} lack completed`);
    const completed = job.events.find((event) => event.event === "completed")!;
    const details = completed.details as { playbookId?: string; actor?: string };
    check(details.playbookId === job.playbookId, `${name}: completed event names ${details.playbookId}`);
    check(typeof details.actor === "string" && details.actor.length > 0, `${name}: no actor`);

    // playbookId is the output reference: Callboard's playbook row under that id.
    const rows = await prisma.$queryRaw<{ title: string; jobId: string }[]>`
      SELECT "title", "jobId" FROM "CallboardPlaybook" WHERE "id" = ${job.playbookId}`;
    check(rows.length === 1 && rows[0].jobId === job.id, `${name}: no playbook row ${job.playbookId}`);
    check(rows[0].title === plays[name].split("\n")[0], `${name}: playbook title ${rows[0].title}`);
  }

  // Started over by Callboard with another chunk size: the web application sees its own config
  // key changed (no second provider key), the progress of the new run and the event saying so.
  const first = jobs[0];
  callboard(["restart", first.id, "--chunk-size", "1000", "--provider", "heuristic"]);
  const restarted = await prisma.parseJob.findUniqueOrThrow({ where: { id: first.id } });
  check(restarted.status === "queued" && restarted.progress === 0 && restarted.playbookId === null,
    `restarted job: ${restarted.status} ${restarted.progress}% ${restarted.playbookId}`);
  callboard(["worker", "--drain", "--progress-interval-ms", "0"]);
  const again = await prisma.parseJob.findUniqueOrThrow({
    where: { id: first.id },
    include: { events: { where: { event: "restarted" } } },
  });
  check(again.status === "completed" && again.totalChunks === 1, `after restart: ${again.status}, ${again.totalChunks} chunks`);
  check(again.playbookId !== null && again.playbookId !== first.playbookId, "a new playbook after restart");
  const config = again.config as Record<string, unknown>;
  check(config.llmProvider === "heuristic" && config.chunkSize === 1000 && !("provider" in config),
    `config after restart: ${JSON.stringify(config)}`);
  check(again.events.length === 1, `${again.events.length} restarted events`);
  const restartDetails = again.events[0].details as { actor?: string; changes?: Record<string, unknown> };
  check(restartDetails.actor === "cli" && restartDetails.changes?.chunkSize !== undefined,
    `restarted event: ${JSON.stringify(restartDetails)}`);

  console.log(`ok: ${jobs.length} jobs created by Prisma, parsed by ${binary}, read back by Prisma; one restarted`);
} finally {
  await prisma.$disconnect();
  await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
  await admin.end();
}
