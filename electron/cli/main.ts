console.log('labdrop: not yet');
