import { describe, expect, it } from 'vitest';
import { InvalidParameterError, MethodNotAllowedError, RouteNotFoundError } from '@wardlink/shared';
import { Router, type Handler } from './router.js';

const noop: Handler = () => undefined;
const latest: Handler = () => undefined;
const literal: Handler = () => undefined;

function router(): Router {
  return new Router()
    .add('POST', '/v1/batches', noop)
    .add('GET', '/healthz', noop)
    .add('GET', '/v1/hospitals/:hospitalId/patients/:patientId/latest', latest)
    .add('GET', '/v1/hospitals/:hospitalId/patients/special/latest', literal);
}

function failure(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error('expected a failure');
}

describe('Router', () => {
  it('matches literal paths exactly, as before', () => {
    expect(router().match('POST', '/v1/batches')).toMatchObject({ pattern: '/v1/batches', params: {} });
    expect(failure(() => router().match('POST', '/v1/batches/'))).toBeInstanceOf(RouteNotFoundError);
    expect(failure(() => router().match('GET', '/healthz/extra'))).toBeInstanceOf(RouteNotFoundError);
  });

  it('extracts decoded path parameters and reports the pattern, not the path', () => {
    const m = router().match('GET', '/v1/hospitals/h-1/patients/MRN%5E0001/latest');
    expect(m.handler).toBe(latest);
    expect(m.pattern).toBe('/v1/hospitals/:hospitalId/patients/:patientId/latest');
    expect(m.params).toEqual({ hospitalId: 'h-1', patientId: 'MRN^0001' });
  });

  it('prefers a literal segment over a parameter of the same shape', () => {
    expect(router().match('GET', '/v1/hospitals/h/patients/special/latest').handler).toBe(literal);
  });

  it('answers 405 with the allowed methods when the shape exists, and serves HEAD with GET', () => {
    const err = failure(() => router().match('POST', '/v1/hospitals/h/patients/p/latest')) as MethodNotAllowedError;
    expect(err).toBeInstanceOf(MethodNotAllowedError);
    expect(err.allow).toEqual(['GET']);
    expect((failure(() => router().match('GET', '/v1/batches')) as MethodNotAllowedError).allow).toEqual(['POST']);
    expect(router().match('HEAD', '/v1/hospitals/h/patients/p/latest').handler).toBe(latest);
  });

  it('refuses empty, over-long, unprintable and badly encoded parameters with 400 WL_API_INVALID_PARAMETER', () => {
    for (const path of [
      '/v1/hospitals//patients/p/latest',
      `/v1/hospitals/${'h'.repeat(129)}/patients/p/latest`,
      '/v1/hospitals/h/patients/a%20b/latest',
      '/v1/hospitals/h/patients/a%00b/latest',
      '/v1/hospitals/h/patients/%E0%A4%A/latest',
    ]) {
      const err = failure(() => router().match('GET', path)) as InvalidParameterError;
      expect(err, path).toBeInstanceOf(InvalidParameterError);
      expect(err.code).toBe('WL_API_INVALID_PARAMETER');
      expect(err.status).toBe(400);
    }
    expect(router().match('GET', `/v1/hospitals/${'h'.repeat(128)}/patients/p/latest`).params.hospitalId).toHaveLength(128);
  });
});
