/**
 * Preflight of the clone transfer, before anything is shared or cloned:
 *  1. the production key's policy admits the staging role through RDS (already
 *     judged by the single key-policy analyser while planning: the plan would
 *     have refused or fallen back otherwise), reported as a fact;
 *  2. RAM answers both roles: GetResourceShares in production (the share is
 *     found again with it), GetResourceShareInvitations in staging;
 *  3. what cannot be probed without changing anything (creating the share,
 *     accepting, cloning) is listed with the IAM actions it needs.
 */
import { GetResourceShareInvitationsCommand } from '@aws-sdk/client-ram';
import * as core from '@actions/core';
import { findShare, ramClient } from '../aws/ram';
import type { Context } from '../context';
import { DiagnosedError, isFault } from '../errors';
import type { Diagnostic } from '../report';
import type { ClonePlan } from './clone';
import { SOURCE_RAM_ACTIONS, TARGET_CLONE_RDS_ACTIONS, TARGET_RAM_ACTIONS } from './clone-faults';

export async function preflightClone(ctx: Context, plan: ClonePlan): Promise<void> {
  const { report, accounts } = ctx;
  const blocking: Diagnostic[] = [];
  const refused = (e: unknown, side: 'production' | 'staging', actions: string[]): Diagnostic => ({
    title: `The ${side} role may not use AWS RAM`,
    message: `${side === 'production' ? accounts.source.principalArn : accounts.target.principalArn}: ${(e as Error).message}`,
    fix: `Allow ${actions.join(', ')} to the ${side} role (mode: policies prints the statements).`
  });
  let existing: string | undefined;
  try {
    existing = (await findShare(ramClient(accounts.source), plan.shareName))?.arn;
  } catch (e) {
    if (!isFault(e, 'AccessDeniedException')) throw e;
    blocking.push(refused(e, 'production', SOURCE_RAM_ACTIONS));
  }
  try {
    await ramClient(accounts.target).send(new GetResourceShareInvitationsCommand({ maxResults: 1 }));
  } catch (e) {
    if (!isFault(e, 'AccessDeniedException')) throw e;
    blocking.push(refused(e, 'staging', TARGET_RAM_ACTIONS));
  }
  if (blocking.length > 0) throw new DiagnosedError(blocking);
  report.fact('Preflight', `RAM answers both roles; ${existing ? `share ${plan.shareName} exists (${existing})` : `share ${plan.shareName} will be created`}`);
  report.fact('Preflight', `key ${plan.source.kmsKeyArn} admits the staging role through RDS (key policy analysed)`);
  core.info(`Not probed (they change something): ${SOURCE_RAM_ACTIONS.join(', ')} for the production role; ${[...TARGET_RAM_ACTIONS, ...TARGET_CLONE_RDS_ACTIONS].join(', ')} for the staging role.`);
}
