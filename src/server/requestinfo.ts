// Parses a request path into RequestInfo (apiserver pkg/endpoints/request/requestinfo.go).
import { queryBool } from './query.js';

export interface RequestInfo {
  isResourceRequest: boolean;
  path: string;
  /** get list watch create update patch delete deletecollection */
  verb: string;
  apiPrefix: 'api' | 'apis' | '';
  group: string;
  version: string;
  namespace: string;
  resource: string;
  name: string;
  subresource: string;
  /** /watch/ legacy path form */
  legacyWatch: boolean;
}

// namespaces/{name}/{status|finalize} are subresources of the namespace, not namespaced resources
const NAMESPACE_SUBRESOURCES = new Set(['status', 'finalize']);

export function parseRequestInfo(method: string, path: string, query: Record<string, unknown>): RequestInfo {
  const info: RequestInfo = {
    isResourceRequest: false,
    path,
    verb: method.toLowerCase(),
    apiPrefix: '',
    group: '',
    version: '',
    namespace: '',
    resource: '',
    name: '',
    subresource: '',
    legacyWatch: false,
  };
  let parts = path.replace(/^\/+|\/+$/g, '').split('/').filter((p) => p !== '');
  if (parts.length === 0 || (parts[0] !== 'api' && parts[0] !== 'apis')) return info;
  info.apiPrefix = parts[0] as 'api' | 'apis';
  parts = parts.slice(1);
  if (info.apiPrefix === 'apis') {
    if (parts.length < 2) return info; // /apis, /apis/{group}
    info.group = parts[0];
    parts = parts.slice(1);
  } else if (parts.length < 1) return info; // /api
  info.version = parts[0];
  parts = parts.slice(1);
  if (parts.length === 0) return info; // group-version discovery
  info.isResourceRequest = true;

  switch (method) {
    case 'POST':
      info.verb = 'create';
      break;
    case 'GET':
    case 'HEAD':
      info.verb = 'get';
      break;
    case 'PUT':
      info.verb = 'update';
      break;
    case 'PATCH':
      info.verb = 'patch';
      break;
    case 'DELETE':
      info.verb = 'delete';
      break;
    default:
      info.verb = '';
  }
  if (parts[0] === 'watch') {
    info.legacyWatch = true;
    parts = parts.slice(1);
    if (info.verb === 'get') info.verb = 'watch';
  }
  if (parts[0] === 'namespaces') {
    if (parts.length > 1) {
      info.namespace = decodeURIComponent(parts[1]);
      if (parts.length > 2 && !NAMESPACE_SUBRESOURCES.has(parts[2])) parts = parts.slice(2);
    }
  }
  info.resource = parts[0] ?? '';
  if (parts.length >= 2) info.name = decodeURIComponent(parts[1]);
  if (parts.length >= 3) info.subresource = parts[2];
  // a namespace addressed as the resource itself: /api/v1/namespaces/{name}
  if (info.resource === 'namespaces' && parts.length >= 2) info.namespace = '';

  if (info.verb === 'get' && !info.name) info.verb = isWatch(query) ? 'watch' : 'list';
  else if (info.verb === 'get' && info.name && isWatch(query)) info.verb = 'watch';
  if (info.verb === 'delete' && !info.name) info.verb = 'deletecollection';
  return info;
}

function isWatch(q: Record<string, unknown>): boolean {
  return queryBool(q.watch) === true;
}
