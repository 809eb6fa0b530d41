/** Entry for both `main:` and `post:` in action.yml: the saved state tells which one this is. */
import { cleanup } from './post';
import { run } from './run';
import { isPostStep } from './state';

await (isPostStep() ? cleanup() : run());
