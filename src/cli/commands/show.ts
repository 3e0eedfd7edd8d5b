import type { Command } from 'commander';
import { isImportedReportId } from '../../query/imported-reports.ts';
import { renderImportedReport } from '../../render/terminal/imported-report.ts';
import { renderControlPage, renderObjectPage, renderReportPage } from '../../render/terminal/object-page.ts';
import { renderTechniquePage } from '../../render/terminal/technique-page.ts';
import { withGraph } from '../context.ts';
import { printJson, terminalStyle, terminalWidth } from '../output.ts';
import { renderOptions as reportRenderOptions } from './report.ts';

interface ShowFlags {
  domain?: string;
  attackVersion?: string;
  json?: boolean;
  follow?: boolean;
  framework?: string;
  frameworkVersion?: string;
}

export function registerShowCommand(program: Command): void {
  program
    .command('show')
    .description('show the page of a technique, group, software, campaign, mitigation, tactic, data component, detection strategy, analytic, control or report')
    .argument('<id>', 'ATT&CK ID (T1114, G0007, DET0476...), STIX id, exact name, control ID (AC-16) or report ID')
    .option('--domain <domain>', 'enterprise, mobile or ics (default: the domain that has the ID, enterprise first)')
    .option('--attack-version <version>', 'ATT&CK version (default: the newest in the store)')
    .option('--json', 'print the page model as JSON')
    .option('--no-follow', 'show a revoked object itself instead of the object that replaced it')
    .option('--framework <framework>', 'the ID is a control of this framework (nist_800_53, aws, azure, gcp, m365, csa_ccm, cri_profile, veris, kev)')
    .option('--framework-version <version>', 'with --framework: this version of it (rev4, rev5...)')
    .action(async (id: string, flags: ShowFlags, command: Command) => {
      await withGraph(command, 'read', (graph) => {
        // An imported report (rpt-...) has its own page: the same as `report show`.
        if (isImportedReportId(id)) {
          const report = graph.importedReport(id);
          if (flags.json === true) printJson(report);
          else process.stdout.write(renderImportedReport(report, reportRenderOptions()));
          return;
        }
        const result = graph.page(id, {
          domain: flags.domain,
          version: flags.attackVersion,
          noFollow: flags.follow === false,
          framework: flags.framework,
          frameworkVersion: flags.frameworkVersion,
        });
        if (result.formerly !== null) {
          process.stderr.write(`ttpgraph: note: ${result.formerly.id} "${result.formerly.name}" was revoked; showing ${result.page.id}, which replaced it\n`);
        }
        if (flags.json === true) {
          printJson(result.page);
          return;
        }
        const options = { width: terminalWidth(), style: terminalStyle(), formerly: result.formerly };
        switch (result.kind) {
          case 'technique':
            process.stdout.write(renderTechniquePage(result.page, options));
            break;
          case 'object':
            process.stdout.write(renderObjectPage(result.page, options));
            break;
          case 'control':
            process.stdout.write(renderControlPage(result.page, options));
            break;
          case 'report':
            process.stdout.write(renderReportPage(result.page, options));
            break;
        }
      });
    });
}
