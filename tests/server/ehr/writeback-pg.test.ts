import { POSTGRES } from '../../helpers/backend.ts';
import { writebackContract } from './writeback.contract.ts';

writebackContract(POSTGRES);
