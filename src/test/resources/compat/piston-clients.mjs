// Runs the unchanged npm Piston clients against a Proctor base URL (argv[2]) for each program of the JSON
// file argv[3] ({language: source}), every program reading "21" on stdin; prints one JSON object of results.
import { readFileSync } from 'node:fs';
import piston from 'piston-client';
import { PistonClient } from 'piston-api-client';

const server = process.argv[2];
const programs = JSON.parse(readFileSync(process.argv[3], 'utf8'));
const out = { runtimes: null, pistonClient: {}, pistonApiClient: {} };

const a = piston({ server });
out.runtimes = await a.runtimes();
const b = new PistonClient({ server });
const bRuntimes = await b.runtimes();
out.apiClientRuntimesOk = bRuntimes.success;

for (const [language, source] of Object.entries(programs)) {
    const r = await a.execute(language, source, { stdin: '21\n' });
    out.pistonClient[language] = r.run ? { stdout: r.run.stdout, stderr: r.run.stderr, code: r.run.code,
        version: r.version, compile: r.compile ? r.compile.code : null } : { error: r };
    const s = await b.execute({ language, version: '*', files: [{ content: source }], stdin: '21\n',
        args: ['x', 'y z'] });
    out.pistonApiClient[language] = s.success && s.data.run
        ? { stdout: s.data.run.stdout, stderr: s.data.run.stderr, code: s.data.run.code, version: s.data.version }
        : { error: s.success ? s.data : String(s.error) };
}
// piston-api-client keeps a day-long cache timer alive: exit once the results are out
process.stdout.write(JSON.stringify(out), () => process.exit(0));
