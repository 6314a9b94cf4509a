import { TokenAnswer } from '../../token/client-credentials-token.provider';
import { TokenUnavailableError } from '../../token/token-provider';

/** The token answer's `instance_url`: the org's API base, every request goes there. */
export function instanceUrlOf(answer: TokenAnswer): string {
  const url = typeof answer.instance_url === 'string' ? answer.instance_url : '';
  if (!/^https?:\/\/[^/]+/.test(url)) throw new TokenUnavailableError('token answer has no usable instance_url');
  return url.replace(/\/+$/, '');
}
