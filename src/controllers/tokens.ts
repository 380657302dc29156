// The token controller ('serviceaccount-token'): fills kubernetes.io/service-account-token
// Secrets that name a ServiceAccount with data.token (a legacy JWT), data.namespace and, when the
// cluster has a CA, data.ca.crt; deletes them when their ServiceAccount is gone (or has another
// uid), and deletes an account's token secrets when the account is deleted.
// Upstream: pkg/controller/serviceaccount/tokens_controller.go (syncSecret, syncServiceAccount,
// generateTokenIfNeeded).
import type { KObject } from '../resources/types.js';
import { StatusError } from '../registry/errors.js';
import type { Controller, ControllerContext } from './manager.js';
import { serviceAccountTokens } from '../auth/tokens/serviceaccount.js';

export const SA_TOKEN_TYPE = 'kubernetes.io/service-account-token';
export const SA_NAME_KEY = 'kubernetes.io/service-account.name';
export const SA_UID_KEY = 'kubernetes.io/service-account.uid';

const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');

export function tokensController(): Controller {
  return {
    name: 'serviceaccount-token',
    start(ctx: ControllerContext) {
      const { registry } = ctx;
      const secretDef = registry.mustDef('', 'secrets');
      const saDef = registry.mustDef('', 'serviceaccounts');
      const secrets = ctx.informers.for('', 'secrets');
      const accounts = ctx.informers.for('', 'serviceaccounts');
      const tokens = serviceAccountTokens(registry);
      const ignoreGone = (fn: () => void) => {
        try {
          fn();
        } catch (err) {
          // gone, changed (requeued by its event) or its namespace is terminating
          if (err instanceof StatusError && (err.code === 404 || err.code === 409 || err.code === 403)) return;
          throw err;
        }
      };

      /** getServiceAccount: the account the secret names (and its uid, when given), or undefined */
      const accountFor = (secret: KObject): KObject | undefined => {
        const ann = secret.metadata?.annotations ?? {};
        const name = ann[SA_NAME_KEY] ?? '';
        // a cache miss is looked up live (the account may be newer than the informer)
        const sa = accounts.get(secret.metadata.namespace, name) ?? (name ? registry.tryGet(saDef, secret.metadata.namespace, name) : undefined);
        if (!sa) return undefined;
        if (ann[SA_UID_KEY] && ann[SA_UID_KEY] !== sa.metadata.uid) return undefined;
        return sa;
      };

      const secretQueue = ctx.newQueue('serviceaccount-token-secrets', (key) => {
        const [ns, name] = key.split('/');
        const secret = secrets.get(ns, name);
        if (!secret || secret.type !== SA_TOKEN_TYPE || secret.metadata?.deletionTimestamp) return;
        const sa = accountFor(secret);
        if (!sa) {
          // the account is gone: so is its token
          ignoreGone(() => registry.delete(secretDef, ns, name, { preconditions: { uid: secret.metadata.uid } }));
          return;
        }
        const data = secret.data ?? {};
        // the cluster CA: ControllerOptions.rootCA (the TLS part), else what buildSecurity gave the issuer
        const rootCA = (ctx.options as { rootCA?: string }).rootCA ?? tokens.rootCA;
        const needsCA = !!rootCA && data['ca.crt'] !== b64(rootCA);
        const needsNamespace = !data.namespace;
        const needsToken = !data.token;
        const ann = secret.metadata.annotations ?? {};
        if (!needsCA && !needsNamespace && !needsToken && ann[SA_UID_KEY] === sa.metadata.uid) return;
        ignoreGone(() =>
          registry.modify(
            secretDef,
            ns,
            name,
            (live) => {
              if (live.metadata.uid !== secret.metadata.uid) return;
              live.data ??= {};
              live.metadata.annotations ??= {};
              if (rootCA && live.data['ca.crt'] !== b64(rootCA)) live.data['ca.crt'] = b64(rootCA);
              if (!live.data.namespace) live.data.namespace = b64(ns);
              if (!live.data.token) live.data.token = b64(tokens.issueLegacy(sa, name));
              live.metadata.annotations[SA_NAME_KEY] = sa.metadata.name;
              live.metadata.annotations[SA_UID_KEY] = sa.metadata.uid;
            },
            { fieldManager: 'kube-controller-manager' },
          ),
        );
      });

      const enqueueSecret = (s: KObject) => {
        if (s.type === SA_TOKEN_TYPE) secretQueue.add(`${s.metadata.namespace}/${s.metadata.name}`);
      };
      secrets.addHandler({ add: enqueueSecret, update: (_o, s) => enqueueSecret(s) });
      accounts.addHandler({
        // an account (re)created: its waiting secrets can be filled
        add: (sa) => {
          for (const s of secrets.list(sa.metadata.namespace)) if (s.metadata?.annotations?.[SA_NAME_KEY] === sa.metadata.name) enqueueSecret(s);
        },
        // syncServiceAccount: a deleted account's token secrets are deleted
        delete: (sa) => {
          for (const s of secrets.list(sa.metadata.namespace)) if (s.type === SA_TOKEN_TYPE && s.metadata?.annotations?.[SA_NAME_KEY] === sa.metadata.name) enqueueSecret(s);
        },
      });
    },
  };
}
