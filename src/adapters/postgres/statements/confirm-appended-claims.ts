/**
 * The runtime's `complete` of a job that `store.append` already completed with the same claim
 * (it kept the token for this): a no-op success that stores the attempts and clears the token,
 * so a second `complete` is stale like after any other completion.
 *
 * $1 text[]     job id       } one element per claim
 * $2 uuid[]     claim token  }
 * $3 integer[]  attempts     }
 * Returns the ids confirmed.
 * @internal
 * @module
 */
import type { Statement } from './statement.js';

export const confirmAppendedClaims: Statement = {
  name: 'seriatim_confirm_appended_claims',
  text: `
UPDATE jobs AS j SET claim_token = NULL, attempts = c.attempts
FROM unnest($1::text[], $2::uuid[], $3::integer[]) AS c(id, token, attempts)
WHERE j.id = c.id AND j.claim_token = c.token AND j.status = 'COMPLETED'
RETURNING j.id`,
};
