export { createApiServer, type ApiServer, type ApiServerDeps } from './server.js';
export { BATCH_CONTENT_TYPES } from './routes/batches.js';
export { createReadinessCheck, type ReadinessCheck, type ReadinessReport } from './routes/health.js';
export { GatewayAuthenticator, type AuthenticatorOptions } from './auth/authenticator.js';
export { ReaderAuthenticator, type ReaderIdentity } from './auth/reader-authenticator.js';
export { addReader, listReaders, revokeReader, findReaderByTokenHash, type AddedReader, type ReaderRecord } from './auth/reader-store.js';
export { Router, type Handler, type PathParams, type RouteMatch } from './router.js';
export { READ_ROUTES, registerReadRoutes, type ReadRouteDeps } from './routes/read/index.js';
export { HISTORY_STREAM_SQL } from './routes/read/history-sql.js';
export {
  addGateway,
  addHospital,
  listGateways,
  listHospitals,
  revokeGateway,
  rotateGatewayToken,
  findGatewayByTokenHash,
  type AddedGateway,
  type GatewayRecord,
} from './auth/gateway-store.js';
export { issueToken, hashToken, tokenPrefix, bearerToken, looksLikeToken, TOKEN_SCHEME, READER_TOKEN_SCHEME, type IssuedToken, type TokenScheme } from './auth/tokens.js';
export { TokenBucketLimiter, type RateLimiterOptions, type TakeResult } from './limits/rate-limiter.js';
export { Admission, type AdmissionLimits, type AdmissionTicket } from './limits/admission.js';
export { answerFor, type ErrorAnswer } from './errors.js';
