// Loaded with `node --import bench/rss-probe.mjs` when /usr/bin/time is not installed: on exit, writes
// this process's peak RSS and CPU time as JSON to the file named by VACSRP_BENCH_PROBE_FILE.
import { writeFileSync } from 'node:fs';

const file = process.env.VACSRP_BENCH_PROBE_FILE;
if (file) {
  process.on('exit', () => {
    const usage = process.resourceUsage();
    writeFileSync(
      file,
      JSON.stringify({
        maxRssKiB: usage.maxRSS,
        cpuSeconds: (usage.userCPUTime + usage.systemCPUTime) / 1e6,
      }),
    );
  });
}
