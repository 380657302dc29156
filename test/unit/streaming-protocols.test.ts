// The protocol pieces of src/server/streaming: subprotocol negotiation in the client's order
// (wsstream handshake), the error channel's Status per protocol version, the resize stream's
// JSON sequence, the container checks and the ports query.
import { describe, expect, it } from 'vitest';
import { negotiate, REMOTECOMMAND_WS_PROTOCOLS, PORTFORWARD_WS_PROTOCOLS } from '../../src/server/streaming/websocket.js';
import { encodeStatus, exitStatus, resizeDecoder, resultStatus, SUCCESS } from '../../src/server/streaming/remotecommand.js';
import { parsePorts, validateContainer } from '../../src/server/streaming/index.js';
import { forwardError } from '../../src/server/streaming/portforward.js';

describe('negotiation', () => {
  it("picks the first of the client's protocols the server has", () => {
    expect(negotiate(['v5.channel.k8s.io', 'v4.channel.k8s.io'], REMOTECOMMAND_WS_PROTOCOLS)?.name).toBe('v5.channel.k8s.io');
    expect(negotiate(['x', 'v4.base64.channel.k8s.io', 'v5.channel.k8s.io'], REMOTECOMMAND_WS_PROTOCOLS)?.name).toBe('v4.base64.channel.k8s.io');
    expect(negotiate([], REMOTECOMMAND_WS_PROTOCOLS)?.name).toBe('');
    expect(negotiate(['v9'], REMOTECOMMAND_WS_PROTOCOLS)).toBeUndefined();
    // the kubelet's port-forward has no v5
    expect(negotiate(['v5.channel.k8s.io'], PORTFORWARD_WS_PROTOCOLS)).toBeUndefined();
  });
});

describe('the error channel', () => {
  const req = { op: 'exec' as const, ref: { namespace: 'ns', pod: 'p', container: 'c' }, command: ['sh', '-c', 'exit 2'], stdin: false, stdout: true, stderr: true, tty: false };
  it('v4+: JSON Status; success and NonZeroExitCode as the kubelet writes them', () => {
    expect(encodeStatus(SUCCESS, true)!.toString()).toBe('{"metadata":{},"status":"Success"}');
    expect(encodeStatus(resultStatus(req, { exitCode: 2 }), true)!.toString()).toBe(
      '{"metadata":{},"status":"Failure","message":"command terminated with non-zero exit code: error executing command [sh -c exit 2], exit code 2","reason":"NonZeroExitCode","details":{"causes":[{"reason":"ExitCode","message":"2"}]}}',
    );
    expect(resultStatus(req, { exitCode: 0 })).toEqual(SUCCESS);
    expect(resultStatus({ ...req, op: 'attach' }, { exitCode: 3 })).toEqual(SUCCESS);
    expect(resultStatus(req, { exitCode: 127, startError: 'no such file' })).toMatchObject({ status: 'Failure', message: 'no such file', reason: 'InternalError', code: 500 });
  });
  it('before v4: the message only, nothing on success', () => {
    expect(encodeStatus(SUCCESS, false)).toBeUndefined();
    expect(encodeStatus(exitStatus(['false'], 1), false)!.toString()).toBe('command terminated with non-zero exit code: error executing command [false], exit code 1');
  });
});

describe('resize', () => {
  it('reads a sequence of TerminalSize objects split anywhere, skipping junk', () => {
    const got: string[] = [];
    const feed = resizeDecoder((s) => got.push(`${s.width}x${s.height}`));
    feed(Buffer.from('{"Width":80,"Hei'));
    feed(Buffer.from('ght":24}{"Width":100,"Height":50}'));
    feed(Buffer.from('not json}{"Width":1,"Height":2}'));
    expect(got).toEqual(['80x24', '100x50', '1x2']);
  });
});

describe('apiserver checks', () => {
  const pod = (containers: string[], init: string[] = [], ephemeral: string[] = []) =>
    ({ metadata: { name: 'p' }, spec: { containers: containers.map((name) => ({ name })), initContainers: init.map((name) => ({ name })), ephemeralContainers: ephemeral.map((name) => ({ name })) } }) as any;
  it('validateContainer as strategy.go words it', () => {
    expect(validateContainer(pod(['a']), '')).toBe('a');
    expect(() => validateContainer(pod([]), '')).toThrow('a container name must be specified for pod p');
    expect(() => validateContainer(pod(['a', 'b'], ['i'], ['e']), '')).toThrow('a container name must be specified for pod p, choose one of: [i a b e]');
    expect(validateContainer(pod(['a'], ['i'], ['e']), 'e')).toBe('e');
    expect(() => validateContainer(pod(['a']), 'z')).toThrow('container z is not valid for pod p');
  });
  it('ports: repeated or comma-separated', () => {
    expect(parsePorts(new URLSearchParams('ports=80&ports=443,8080'))).toEqual([80, 443, 8080]);
    expect(() => parsePorts(new URLSearchParams('ports=x'))).toThrow('unable to parse "x" as a port');
    expect(() => parsePorts(new URLSearchParams('ports=70000'))).toThrow('value out of range');
  });
  it('the port-forward failure message', () => {
    expect(forwardError({ namespace: 'n', pod: 'p', podID: 'abc' }, 80, new Error('dial tcp4 127.0.0.1:80: connect: connection refused'))).toBe(
      'error forwarding port 80 to pod abc, uid : dial tcp4 127.0.0.1:80: connect: connection refused',
    );
  });
});
