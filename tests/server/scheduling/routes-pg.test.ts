import { POSTGRES } from '../../helpers/backend.ts';
import { schedulingRoutesContract } from './routes.contract.ts';

schedulingRoutesContract(POSTGRES);
