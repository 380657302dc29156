// The policy CEL environment is loaded on first need (a server without policies never pays for it):
// before the first write to admissionregistration.k8s.io (the policy validation compiles expressions)
// and before the first evaluation.
import type * as Compile from './compile.js';
import { setPolicyCompiler } from '../../resources/admissionregistration/vap.js';

let loading: Promise<typeof Compile> | undefined;

export function loadPolicySupport(): Promise<typeof Compile> {
  loading ??= import('./compile.js').then((m) => {
    setPolicyCompiler((src) => {
      const r = m.compile(src);
      return 'error' in r ? r.error : undefined;
    });
    return m;
  });
  return loading;
}
