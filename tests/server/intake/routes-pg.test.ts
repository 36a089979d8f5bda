import { POSTGRES } from '../../helpers/backend.ts';
import { intakeRoutesContract } from './routes.contract.ts';

intakeRoutesContract(POSTGRES);
