/**
 * `doctor [--json]`: what a technician runs on a new box (gateway/src/doctor/). Prints
 * every check, then ends with the config's own error (exit 78) when the config is invalid,
 * or WL_DOCTOR_FAILED (exit 1) when any other check FAILs. WARNs exit 0.
 */
import type { Command } from 'commander';
import { DoctorFailedError, formatReport, runDoctor } from '../../doctor/index.js';
import type { CliContext } from '../context.js';
import { emit } from '../output.js';

export function registerDoctorCommand(program: Command, ctx: () => CliContext): void {
  program
    .command('doctor')
    .description('check this box: config, ports, serial ports, disk, clock, cloud and devices (OK, WARN or FAIL, with what to do)')
    .action(async () => {
      const c = ctx();
      const { report, configError } = await runDoctor({ configPath: c.configPath, loadConfig: () => c.loadConfig() });
      emit(c.out, report, () => formatReport(report));
      if (configError) throw configError;
      const failed = report.checks.filter((x) => x.status === 'FAIL');
      if (failed.length > 0) throw new DoctorFailedError(failed);
    });
}
