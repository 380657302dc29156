import { describe, expect, it } from 'vitest';
import {
  reviewLocalSubjectAccess,
  reviewSelfSubjectAccess,
  reviewSelfSubjectRules,
  reviewSubjectAccess,
} from '../../src/resources/authorization/reviews.js';
import type { AuthzAttributes, UserInfo } from '../../src/auth/types.js';
import type { VirtualCreateContext } from '../../src/resources/types.js';
import { StatusError } from '../../src/registry/errors.js';

const alice: UserInfo = { username: 'alice', groups: ['dev', 'system:authenticated'] };

function ctxWith(seen: AuthzAttributes[], answer: { decision: any; reason: string; evaluationError?: string }, rules?: any): VirtualCreateContext {
  return {
    user: alice,
    namespace: 'team',
    registry: {} as any,
    security: {
      open: false,
      authenticators: [],
      anonymous: true,
      authorizer: { authorize: (a) => (seen.push(a), answer) },
      rules,
    },
  };
}

function statusError(fn: () => unknown): StatusError {
  try {
    fn();
  } catch (err) {
    if (err instanceof StatusError) return err;
    throw err;
  }
  throw new Error('no error');
}

describe('SelfSubjectAccessReview', () => {
  it('asks the authorizer for the requesting user', () => {
    const seen: AuthzAttributes[] = [];
    const reason = 'RBAC: allowed by ClusterRoleBinding "x" of ClusterRole "y" to User "alice"';
    const out = reviewSelfSubjectAccess(
      { spec: { resourceAttributes: { verb: 'get', resource: 'pods', namespace: 'team', group: '', subresource: 'log', name: 'p' } } },
      ctxWith(seen, { decision: 'allow', reason }),
    );
    expect(out.status).toEqual({ allowed: true, reason });
    expect(seen[0]).toMatchObject({ user: alice, verb: 'get', isResourceRequest: true, namespace: 'team', resource: 'pods', subresource: 'log', name: 'p' });
    expect(out.kind).toBe('SelfSubjectAccessReview');
    expect(out.metadata.creationTimestamp).toBeNull();
  });
  it('no opinion is not allowed, not denied; deny sets denied; non-resource paths', () => {
    const seen: AuthzAttributes[] = [];
    expect(reviewSelfSubjectAccess({ spec: { nonResourceAttributes: { verb: 'get', path: '/metrics' } } }, ctxWith(seen, { decision: 'noopinion', reason: '' })).status).toEqual({ allowed: false });
    expect(seen[0]).toMatchObject({ isResourceRequest: false, path: '/metrics', verb: 'get' });
    expect(reviewSelfSubjectAccess({ spec: { nonResourceAttributes: { verb: 'get', path: '/x' } } }, ctxWith([], { decision: 'deny', reason: 'no', evaluationError: 'boom' })).status).toEqual({
      allowed: false,
      denied: true,
      reason: 'no',
      evaluationError: 'boom',
    });
  });
  it('is invalid without exactly one of the attributes', () => {
    const e = statusError(() => reviewSelfSubjectAccess({ spec: {} }));
    expect(e.code).toBe(422);
    expect(e.message).toBe('SelfSubjectAccessReview.authorization.k8s.io "" is invalid: spec.resourceAttributes: Invalid value: "null": exactly one of nonResourceAttributes or resourceAttributes must be specified');
  });
});

describe('SubjectAccessReview', () => {
  it('asks about spec.user and spec.groups', () => {
    const seen: AuthzAttributes[] = [];
    const out = reviewSubjectAccess({ metadata: { creationTimestamp: null }, spec: { user: 'bob', groups: ['g'], uid: 'u1', extra: { k: ['v'] }, resourceAttributes: { verb: 'list', group: 'apps', resource: 'deployments' } } }, ctxWith(seen, { decision: 'allow', reason: '' }));
    expect(out.status).toEqual({ allowed: true });
    expect(seen[0].user).toEqual({ username: 'bob', groups: ['g'], uid: 'u1', extra: { k: ['v'] } });
    expect(seen[0]).toMatchObject({ apiGroup: 'apps', resource: 'deployments', verb: 'list', namespace: '' });
  });
  it('needs a user or a group and empty metadata', () => {
    const e = statusError(() => reviewSubjectAccess({ metadata: { name: 'x' }, spec: { resourceAttributes: { verb: 'get' } } }));
    expect(e.message).toBe(
      'SubjectAccessReview.authorization.k8s.io "" is invalid: [spec.user: Invalid value: "": at least one of user or group must be specified, metadata: Invalid value: {"name":"x"}: must be empty]',
    );
  });
});

describe('LocalSubjectAccessReview', () => {
  it('is answered in the request namespace', () => {
    const seen: AuthzAttributes[] = [];
    const out = reviewLocalSubjectAccess({ spec: { user: 'bob', resourceAttributes: { verb: 'get', resource: 'pods', namespace: 'team' } } }, ctxWith(seen, { decision: 'allow', reason: 'ok' }));
    expect(out.metadata.namespace).toBe('team');
    expect(out.status).toEqual({ allowed: true, reason: 'ok' });
  });
  it('refuses another namespace and non-resource attributes', () => {
    const e = statusError(() => reviewLocalSubjectAccess({ spec: { user: 'bob', resourceAttributes: { verb: 'get', resource: 'pods', namespace: 'other' } } }, ctxWith([], { decision: 'allow', reason: '' })));
    expect(e.code).toBe(400);
    expect(e.message).toBe('spec.resourceAttributes.namespace must match namespace: team');
    const e2 = statusError(() => reviewLocalSubjectAccess({ spec: { user: 'bob', nonResourceAttributes: { verb: 'get', path: '/x' } } }, ctxWith([], { decision: 'allow', reason: '' })));
    expect(e2.message).toBe('LocalSubjectAccessReview.authorization.k8s.io "" is invalid: spec.nonResourceAttributes: Invalid value: {"verb":"get","path":"/x"}: disallowed on this kind of request');
  });
});

describe('SelfSubjectRulesReview', () => {
  it("lists the resolver's rules for the user in the namespace", () => {
    let asked: any;
    const rules = {
      rulesFor: (u: UserInfo, ns: string) => {
        asked = [u.username, ns];
        return {
          rules: [
            { verbs: ['get'], apiGroups: [''], resources: ['pods'], resourceNames: ['a'] },
            { verbs: ['get'], nonResourceURLs: ['/api'] },
          ],
          errors: [],
        };
      },
    };
    const out = reviewSelfSubjectRules({ spec: { namespace: 'team' } }, ctxWith([], { decision: 'allow', reason: '' }, rules));
    expect(asked).toEqual(['alice', 'team']);
    expect(out.status).toEqual({
      resourceRules: [{ verbs: ['get'], apiGroups: [''], resources: ['pods'], resourceNames: ['a'] }],
      nonResourceRules: [{ verbs: ['get'], nonResourceURLs: ['/api'] }],
      incomplete: false,
    });
  });
  it('is incomplete with the errors met', () => {
    const rules = { rulesFor: () => ({ rules: [], errors: ['clusterrole.rbac.authorization.k8s.io "gone" not found', 'role.rbac.authorization.k8s.io "x" not found'] }) };
    const out = reviewSelfSubjectRules({ spec: { namespace: 'team' } }, ctxWith([], { decision: 'allow', reason: '' }, rules));
    expect(out.status.incomplete).toBe(true);
    expect(out.status.evaluationError).toBe('[clusterrole.rbac.authorization.k8s.io "gone" not found, role.rbac.authorization.k8s.io "x" not found]');
  });
  it('needs a namespace', () => {
    expect(statusError(() => reviewSelfSubjectRules({ spec: {} })).message).toBe('no namespace on request');
  });
});
