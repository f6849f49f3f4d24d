/** The read API's routes, on the router; each is authorized and counted by readRoute. */
import type { Router } from '../../router.js';
import { activePatients } from './dashboard.js';
import type { CachedReadRouteDeps as ReadRouteDeps } from './cached-read-deps.js';
import { hospitalGateways } from './gateways.js';
import { patientHistory } from './history.js';
import { latestForPatient } from './latest.js';
import { readRoute } from './read-route.js';
import { DAILY, hospitalReport, WEEKLY } from './reports.js';

export type { CachedReadRouteDeps as ReadRouteDeps } from './cached-read-deps.js';

export const READ_ROUTES = {
  latest: '/v1/hospitals/:hospitalId/patients/:patientId/latest',
  history: '/v1/hospitals/:hospitalId/patients/:patientId/history',
  dashboard: '/v1/hospitals/:hospitalId/dashboard',
  dailyReport: '/v1/hospitals/:hospitalId/reports/daily',
  weeklyReport: '/v1/hospitals/:hospitalId/reports/weekly',
  gateways: '/v1/hospitals/:hospitalId/gateways',
} as const;

export function registerReadRoutes(router: Router, deps: ReadRouteDeps): void {
  router
    .add('GET', READ_ROUTES.latest, readRoute(READ_ROUTES.latest, deps, latestForPatient(deps)))
    .add('GET', READ_ROUTES.history, readRoute(READ_ROUTES.history, deps, patientHistory(deps, READ_ROUTES.history)))
    .add('GET', READ_ROUTES.dashboard, readRoute(READ_ROUTES.dashboard, deps, activePatients(deps)))
    .add('GET', READ_ROUTES.dailyReport, readRoute(READ_ROUTES.dailyReport, deps, hospitalReport(deps, READ_ROUTES.dailyReport, DAILY)))
    .add('GET', READ_ROUTES.weeklyReport, readRoute(READ_ROUTES.weeklyReport, deps, hospitalReport(deps, READ_ROUTES.weeklyReport, WEEKLY)))
    .add('GET', READ_ROUTES.gateways, readRoute(READ_ROUTES.gateways, deps, hospitalGateways(deps)));
}
