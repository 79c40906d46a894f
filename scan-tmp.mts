import {scan, renderText} from './packages/scanner/src/index.ts';
console.log(renderText(await scan(process.argv.slice(2), {digest:false}), {color:false}));
