import { SQLITE } from '../../helpers/backend.ts';
import { schedulingRoutesContract } from './routes.contract.ts';

schedulingRoutesContract(SQLITE);
