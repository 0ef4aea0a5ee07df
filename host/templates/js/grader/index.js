// {{description}}: checks that the submission has a README at its top.
//
// Edit `grade` and the "aigc" object in package.json, then run `aigc-host build` and
// `aigc-host grade {{name}}.wasm SUBMISSION.zip`. `npm test` builds the grader and grades two tiny submissions.
//
// The host calls `grade` once per submission; `submission` lists and reads its files (a grader reaches nothing
// else: no network, no dataset). It returns a report `{checks: [...]}` (or just the array): each check has a short
// stable `name`, `passed`, `points` out of `maxPoints`, and a `message` for the student. `passed(name, max, message)`
// and `failed(name, max, message, points)` make them. Anything `grade` throws is reported with its message and
// the lines it came from.

import { config, submission, passed, failed } from '@aigc/sdk';

export function grade() {
  const points = config.number('points.readme', 10);
  const names = submission.entries().filter((e) => !e.isDir).map((e) => e.path);
  const readme = names.find((n) => !n.includes('/') && n.toLowerCase().startsWith('readme'));
  const check = readme
    ? passed('readme', points, `found ${readme}`)
    : failed('readme', points, 'add a README (README.md) at the top of the submission');
  return { checks: [check] };
}
